import pytest

from migrate.regions import find, regions


@pytest.mark.parametrize("value", ["eu-west-1", "prod-euw1", "mypurecloud.ie", "https://api.mypurecloud.ie/",
                                   "APPS.MYPURECLOUD.IE"])
def test_every_spelling_of_a_region(value):
    r = find(value)
    assert (r.aws, r.env, r.domain) == ("eu-west-1", "prod-euw1", "mypurecloud.ie")
    assert r.apps_host == "https://apps.mypurecloud.ie"
    assert r.login_host == "https://login.mypurecloud.ie"


def test_table_is_consistent():
    rs = regions()
    assert len(rs) == 16
    for field in ("aws", "env", "domain"):
        values = [getattr(r, field) for r in rs]
        assert len(set(values)) == len(values), field
    assert find("us-east-1").env == "prod"


def test_unknown_region_names_the_choices():
    with pytest.raises(KeyError, match="eu-west-1"):
        find("mars-1")
