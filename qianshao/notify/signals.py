"""Signals of the outbox, for apps that follow their own messages."""

from django.dispatch import Signal

# Sent after a message was delivered (its row marked sent), with ``message``.
message_sent = Signal()
