"""Cross-cutting web plumbing: languages, vendored assets, error pages."""
