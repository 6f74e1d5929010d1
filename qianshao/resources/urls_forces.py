"""The forces part's pages."""

from django.urls import path

from qianshao.resources import views_forces as v

urlpatterns = [
    path("resources/teams/", v.team_list, name="resources-teams"),
    path("resources/teams/new/", v.team_new, name="resources-team-new"),
    path("resources/teams.xlsx", v.teams_xlsx, name="resources-teams-xlsx"),
    path("resources/teams/import/", v.teams_import, name="resources-teams-import"),
    path("resources/teams/<int:team_id>/", v.team_page, name="resources-team"),
    path("resources/teams/<int:team_id>/edit/", v.team_edit, name="resources-team-edit"),
    path("resources/teams/<int:team_id>/members/new/", v.member_new, name="resources-member-new"),
    path(
        "resources/teams/<int:team_id>/certificates/new/",
        v.certificate_new,
        name="resources-certificate-new",
    ),
    path("resources/teams/<int:team_id>/<str:step>/", v.team_step, name="resources-team-step"),
    path("resources/members/<int:member_id>/leave/", v.member_leave, name="resources-member-leave"),
    path("resources/compliance/", v.compliance_page, name="resources-compliance"),
    path("resources/experts/", v.expert_list, name="resources-experts"),
    path("resources/experts/new/", v.expert_new, name="resources-expert-new"),
    path("resources/experts/<int:expert_id>/edit/", v.expert_edit, name="resources-expert-edit"),
    path(
        "resources/experts/<int:expert_id>/verify/",
        v.expert_verify,
        name="resources-expert-verify",
    ),
    path("resources/social-forces/", v.social_force_list, name="resources-social-forces"),
    path("resources/social-forces/new/", v.social_force_new, name="resources-social-force-new"),
    path(
        "resources/social-forces/<int:force_id>/edit/",
        v.social_force_edit,
        name="resources-social-force-edit",
    ),
]
