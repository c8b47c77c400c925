"""What a change between two revisions does: the landscape and object diffs, risks, money, quotas, reviewers and shards."""
