"""The integration's verbs: connect, refresh, check settings, sync. Views and tasks call these."""
