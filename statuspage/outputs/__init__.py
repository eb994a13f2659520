"""Machine-readable outputs rendered from the derived state: feeds, calendars, JSON API, badges."""
