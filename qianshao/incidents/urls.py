"""The incidents area's pages."""

from django.urls import path

from qianshao.incidents import views, views_duty

urlpatterns = [
    path("incidents/", views.incidents, name="incidents"),
    path("incidents/new/", views.new, name="incident-new"),
    path("incidents/timeliness/", views.timeliness, name="incident-timeliness"),
    path("incidents/<int:incident_id>/", views.incident, name="incident"),
    path("incidents/<int:incident_id>/board/", views.board_page, name="incident-board"),
    path("incidents/<int:incident_id>/sitrep/", views.sitrep_page, name="incident-sitrep"),
    path("incidents/<int:incident_id>/sitrep.docx", views.sitrep_docx, name="incident-sitrep-docx"),
    path("incidents/<int:incident_id>/<str:name>/", views.step, name="incident-step"),
    path("incidents/relays/<int:relay_id>/pass/", views.pass_up, name="incident-pass"),
    path(
        "incidents/findings/<int:finding_id>/<str:name>/",
        views.finding_step,
        name="incident-finding-step",
    ),
    path("incidents/orders/", views.mine, name="incident-orders-mine"),
    path("incidents/orders/<int:order_id>/", views.order, name="incident-order"),
    path(
        "incidents/orders/<int:order_id>/<str:name>/",
        views.order_step,
        name="incident-order-step",
    ),
]

urlpatterns += [
    path("incidents/duty/", views_duty.desk, name="duty-desk"),
    path("incidents/duty/roster/", views_duty.roster, name="duty-roster"),
    path("incidents/duty/roster/plan/", views_duty.plan, name="duty-plan"),
    path("incidents/duty/roster/copy/", views_duty.copy, name="duty-copy"),
    path("incidents/duty/shifts/<int:shift_id>/confirm/", views_duty.confirm, name="duty-confirm"),
    path(
        "incidents/duty/shifts/<int:shift_id>/handover/", views_duty.handover, name="duty-handover"
    ),
    path(
        "incidents/duty/handovers/<int:handover_id>/accept/",
        views_duty.accept,
        name="duty-accept",
    ),
    path("incidents/duty/shifts/<int:shift_id>/swap/", views_duty.swap, name="duty-swap"),
    path(
        "incidents/duty/swaps/<int:swap_id>/<str:step>/",
        views_duty.swap_step,
        name="duty-swap-step",
    ),
    path("incidents/duty/spot/", views_duty.spot, name="duty-spot-new"),
    path("incidents/duty/spot/<int:spot_id>/", views_duty.spot_page, name="duty-spot"),
    path(
        "incidents/duty/spot/answers/<int:answer_id>/answer/",
        views_duty.spot_answer,
        name="duty-spot-answer",
    ),
    path("incidents/duty/log/", views_duty.log, name="duty-log"),
]
