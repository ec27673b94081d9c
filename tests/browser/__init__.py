"""Browser tests: the demo in headless Chromium, as a person would use it."""
