"""What the landscape must satisfy: the integrity checks, the policy engine, waivers and CODEOWNERS, with one catalogue of built-in rules."""
