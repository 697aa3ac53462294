"""What every keyword library shares: connections by alias, the one redaction of every message, "not checked"
(``SettingsUnusable``), measurements and evidence logged for the result model, failure texts, and the bounded first
contact with an endpoint (the TCP probe, first answers, the probe at the start of a run and what it found)."""
