"""Mail to residents: an outbox written in the same transaction as the event, sent by a job.

Every mail goes to an address a resident gave with consent, in the resident's language, as
plain text and HTML, with a one-click unsubscribe (RFC 8058) and no tracking. Nothing is sent
inside a request: the outbox row is committed with its cause, and the job queue (jobs/)
sends it afterwards, retrying with back-off.
"""
