"""Public calls for proposals opened on a published need, with criteria, documents and Q&A."""
