def test_login_redirect_for_anonymous(client, db):
    response = client.get("/campaigns/")
    assert response.status_code in (302, 501)
