"""schedule-sms: schedule SMS through Kaleyra from Slack."""
