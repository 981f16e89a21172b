"""Exports: the dubbed video, subtitles, audio stems, and a portable project archive."""
