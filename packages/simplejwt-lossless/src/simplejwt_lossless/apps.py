from django.apps import AppConfig


class SimpleJWTLosslessConfig(AppConfig):
    name = "simplejwt_lossless"
    verbose_name = "SimpleJWT lossless rotation"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system checks)
