"""Evidence uploads, one concern a module: type sniffing (`sniffing`), metadata stripping
(`scrubbing`), encrypted storage (`storage`) and reporters' filenames (`names`).

Pure Python, no Flask: the web layer calls `sniffing.sniff`, then `scrubbing.strip_metadata`,
then `storage.EvidenceStore.put`. Filenames from reporters are only ever used for display
(`names.safe_display_name`); types come from content and paths from random names.
"""
