from django.urls import path, re_path

from qianshao.grid import views, views_people, views_public, views_roster

urlpatterns = [
    path("grid/", views.tree, name="tree"),
    path("grid/search/", views.search, name="tree-search"),
    path("grid/contacts/", views_people.contacts, name="contacts"),
    path("grid/roster/", views_roster.roster, name="roster"),
    path("grid/roster/jobs/<int:job_id>/", views_roster.roster_job, name="roster-job"),
    path(
        "grid/roster/jobs/<int:job_id>/progress/",
        views_roster.roster_job_progress,
        name="roster-job-progress",
    ),
    re_path(
        r"^grid/roster/template\.(?P<fmt>xlsx|csv)$",
        views_roster.roster_template,
        name="roster-template",
    ),
    path("grid/<str:code>/", views.cell_page, name="cell"),
    path("grid/<str:code>/children/", views.children, name="cell-children"),
    path("grid/<str:code>/card/", views.card, name="card"),
    path("grid/<str:code>/assign/", views.assign, name="cell-assign"),
    path("grid/<str:code>/move/", views.move, name="cell-move"),
    path("assignments/<int:assignment_id>/end/", views.end_term, name="assignment-end"),
    path("people/<int:person_id>/", views.person_page, name="person"),
    # the public page of a cell, opened from its card's QR code: no login
    path("c/<str:code>/", views_public.public_cell, name="public-cell"),
]
