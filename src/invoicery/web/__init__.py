"""What every web adapter (the two API faces, the hosted pages) shares."""
