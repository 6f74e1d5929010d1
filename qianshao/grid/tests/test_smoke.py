def test_the_cast_sees_its_own_county(cast, client_for):
    response = client_for(cast.users["county"]).get("/grid/450901/")
    assert response.status_code == 200
    assert "A县" in response.content.decode()
    assert client_for(cast.users["county"]).get("/grid/450902/").status_code == 404
