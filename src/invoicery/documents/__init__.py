"""Invoice documents: PDF view models, their signed download links and the render cache.

- `signing`: HMAC-SHA256 link signatures, key rings and rotation (pure).
- `keys`: where the signing keys come from (configuration, data directory, database).
- `view`: the `InvoiceDocument` view model built from the domain records (pure).
- `version`: the content version of a document, its ETag and cache key (pure).
- `source`: what a document is made of, in one read, and the documents a process keeps.
- `memory`: a small per-process LRU of rendered PDFs, bounded in bytes.
- `repository`: the shared table of rendered PDFs.
- `render`: rendering off the event loop, in a long-lived child process.
- `files`: rendered PDFs as files of this process, for zero-copy sending.
- `cache`: memory (or a file), then the table, then a render.

Nothing is imported here, so `invoicery.config` can use `signing` without the rest.
"""
