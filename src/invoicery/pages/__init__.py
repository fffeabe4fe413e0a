"""The hosted payment page: server-rendered HTML, no JavaScript, no external assets."""
