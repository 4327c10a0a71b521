"""The web edge: public API, webhooks, web chat and dashboard. Routes stay thin."""
