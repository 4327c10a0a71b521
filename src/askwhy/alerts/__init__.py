"""Alerts: emerging-issue detection over the store, the life of an alert, and (beside them) routing.

Detection (`detection`) opens episodes with their evidence; people acknowledge, snooze and resolve
them (`lifecycle`); routing sends them on. The statistics are the pure core's
(`askwhy.analysis.emerging`, `askwhy.analysis.metric_drop`).
"""
