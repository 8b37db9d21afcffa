"""In-app notifications, the e-mail outbox, digests, follows and seed subscriptions."""
