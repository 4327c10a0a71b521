"""Moments to invitations: events, customers, contact decisions and invitation links."""
