"""Use cases. Each public function runs in exactly one transaction."""
