"""Pictures a club shows: a series' logo, an evening's cover. Checked and re-encoded on upload
(processing, pure), kept in the database under the hash of their bytes (models, store), so that
every web host serves the same picture at the same immutable address."""
