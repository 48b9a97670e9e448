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
    assert len(rs) == 18
    for field in ("aws", "env", "domain"):
        values = [getattr(r, field) for r in rs if getattr(r, field) is not None]
        assert len(set(values)) == len(values), field
    assert find("us-east-1").env == "prod"
    # Only a region whose Messenger environment code no source gives lacks one, and says so.
    assert [r.aws for r in rs if r.env is None] == [r.aws for r in rs if r.unconfirmed == "env"] == ["eusc-de-east-1"]


@pytest.mark.parametrize("value, aws, env, domain", [
    # terraform-provider-genesyscloud provider.go; genesys-cloud-service-discovery-web
    ("prod-mxc1", "mx-central-1", "prod-mxc1", "mxc1.pure.cloud"),
    ("mx-central-1", "mx-central-1", "prod-mxc1", "mxc1.pure.cloud"),
    ("api.edee1.eusc-pure.cloud", "eusc-de-east-1", None, "edee1.eusc-pure.cloud"),
    ("ap-southeast-1", "ap-southeast-1", "prod-apse1", "apse1.pure.cloud"),
])
def test_mexico_eu_sovereign_and_singapore(value, aws, env, domain):
    r = find(value)
    assert (r.aws, r.env, r.domain) == (aws, env, domain)
    assert r.api_host == f"https://api.{domain}"


def test_singapore_code_is_confirmed_now():
    assert find("ap-southeast-1").unconfirmed is None


def test_unknown_region_names_the_choices():
    with pytest.raises(KeyError, match="eu-west-1"):
        find("mars-1")
    with pytest.raises(KeyError):
        find("")
