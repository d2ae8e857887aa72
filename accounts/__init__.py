"""Staff accounts: roles, kommun membership, login, invitations and `flask accounts`."""
