"""Lip-sync data: window sources (a project's face tracks, a clip, a corpus folder), the
training windows with the information-leak rules, reference placement, and the file format
of generated crops."""
