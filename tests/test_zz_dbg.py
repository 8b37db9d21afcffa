from tests.test_access_matrix_projects import *  # noqa
from tests.test_access_matrix_projects import project_world  # noqa
def test_dbg(app, project_world):
    users, ids = project_world
    r, _ = attempt(app, users, "reviewer", "GET", f"/projects/{ids['planned']}")
    print(r.status_code, r.location, r.get_data(as_text=True)[:3000])
