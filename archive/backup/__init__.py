"""Encrypted server backups of the whole archive, and restoring them bit for bit.

A backup target is a folder or an S3 prefix that may be run by someone
else; it only ever holds ciphertext and digests. Its layout::

    objects/xx/<object id>             the archive's objects, copied as
                                       ciphertext, byte for byte; shared by
                                       every snapshot (copied once)
    keys/data-keys.enc                 the current wrapped data keys, sealed
                                       under the backup key; replaced by
                                       every run
    snapshots/<id>/database.enc        a consistent logical dump of the
                                       database without data_keys, sealed
                                       under the backup key
    snapshots/<id>/keyfile.enc         the key file, sealed under a key
                                       derived from the recovery secret
    snapshots/<id>/manifest.json       written last: the digest of every
                                       part and object, the schema revision
                                       and the audit chain's head, with an
                                       HMAC under the recovery secret

Every key is derived from the operator's recovery secret
(:mod:`archive.backup.recovery`), so a restore needs the target and the
secret, nothing else. Data keys live in one file that each run replaces,
never in a snapshot, so that shredding an object (deleting its data key)
reaches the backups at the next run: no snapshot, however old, can bring
the key back. The search index is not backed up; restore rebuilds it.

docs/backup.md is the operator's guide.
"""
