"""The core domain: database models and the bureau's and ambassadors' work."""
