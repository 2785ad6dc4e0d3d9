"""The notification outbox: one row per message, written in the action's own transaction."""
