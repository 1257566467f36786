"""The app's own user endpoint of the simplejwt URL layout (project/urls.py): the signed-in
user, as a project without djoser writes it."""

from django.conf import settings
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView


class MeView(APIView):
    """The signed-in user."""

    permission_classes = [IsAuthenticated]

    def get(self, request: Request) -> Response:
        user = request.user
        if settings.EMAIL_LOGIN:
            return Response({"id": user.pk, "email": user.email, "display_name": user.display_name})
        return Response({"id": user.pk, "username": user.username, "email": user.email})
