"""E-mail intake: an IMAP mailbox (or imported .eml/mbox/Maildir) turned into tips.

`parse` reads a message, `importer.ingest` stores it once, `poll` fetches from IMAP and `ack`
replies with the receipt code.
"""
