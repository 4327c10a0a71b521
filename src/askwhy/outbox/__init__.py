"""The transactional outbox: the write hook, the delivery worker and delivery statuses."""
