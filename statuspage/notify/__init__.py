"""Notifications (SPEC §12): events from two published states, an outbox, and the channels that deliver."""
