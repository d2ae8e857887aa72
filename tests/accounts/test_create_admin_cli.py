"""`flask accounts create-admin` makes the first account."""

from __future__ import annotations

from sqlalchemy import select

from accounts.models import User

PASSWORD = "ett långt admin-lösenord"


def test_create_admin_from_stdin(runner, kommuner, session):
    result = runner.invoke(
        args=[
            "accounts",
            "create-admin",
            "Admin@Kommun.example",
            "--name",
            "Ada Admin",
            "--kommun",
            "1487",
            "--password-stdin",
        ],
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    assert "Vänersborg" in result.output
    user = session.scalar(select(User).where(User.email == "admin@kommun.example"))
    assert user.role == "admin" and user.name == "Ada Admin"
    assert [k.code for k in user.kommuner] == ["1487"]
    assert user.check_password(PASSWORD)


def test_create_admin_prompts_twice_and_defaults_to_every_kommun(runner, kommuner, session):
    result = runner.invoke(
        args=["accounts", "create-admin", "a@kommun.example"], input=f"{PASSWORD}\n{PASSWORD}\n"
    )
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output  # hidden input
    user = session.scalar(select(User))
    assert {k.code for k in user.kommuner} == {"1487", "0665", "1984"}


def test_create_admin_refuses_bad_input(runner, kommuner, session):
    short = runner.invoke(
        args=["accounts", "create-admin", "a@kommun.example", "--password-stdin"], input="kort\n"
    )
    assert short.exit_code != 0 and "at least" in short.output
    unknown = runner.invoke(
        args=[
            "accounts",
            "create-admin",
            "a@kommun.example",
            "--kommun",
            "9999",
            "--password-stdin",
        ],
        input=PASSWORD + "\n",
    )
    assert unknown.exit_code != 0 and "9999" in unknown.output
    first = runner.invoke(
        args=["accounts", "create-admin", "a@kommun.example", "--password-stdin"],
        input=PASSWORD + "\n",
    )
    assert first.exit_code == 0
    again = runner.invoke(
        args=["accounts", "create-admin", "A@kommun.example", "--password-stdin"],
        input=PASSWORD + "\n",
    )
    assert again.exit_code != 0 and "finns redan" in again.output
    assert len(session.scalars(select(User)).all()) == 1
