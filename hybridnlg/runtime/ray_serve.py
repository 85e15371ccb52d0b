"""`hybridnlg serve --engine ray`: the same FastAPI app (runtime/server.py) as a Ray Serve deployment whose replicas,
each with one engine and one model, scale with the requests in flight.

    hybridnlg serve CONFIG --engine ray [--ray-address auto] --min-replicas 1 --max-replicas 8 --num-gpus 1

Locally it starts Ray; `--ray-address auto` joins a cluster started with `ray start --head`. Each replica loads and
warms its engine before Ray routes traffic to it, so scaling up never sends a request to a cold model."""

from __future__ import annotations

import time
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from ray import serve

from .server import create_app
from .settings import ServeSettings
from .warmup import Readiness, default_sample, warm_up

APP_NAME = "hybridnlg"
DEPLOYMENT = "HybridNLG"


class RayScaling(BaseModel):
    """Autoscaling and resources of the deployment (Ray Serve's autoscaling_config and ray_actor_options)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_replicas: int = Field(1, ge=0)
    max_replicas: int = Field(4, ge=1)
    target_ongoing_requests: float = Field(8.0, gt=0, description="Requests in flight per replica to aim at.")
    max_ongoing_requests: int = Field(64, ge=1, description="Most requests one replica takes at once.")
    num_gpus: float = Field(0.0, ge=0, description="GPUs per replica.")
    num_cpus: float = Field(1.0, ge=0, description="CPUs per replica.")
    upscale_delay_s: float = Field(10.0, ge=0)
    downscale_delay_s: float = Field(60.0, ge=0)

    def options(self) -> dict[str, Any]:
        return {
            "autoscaling_config": {
                "min_replicas": self.min_replicas, "max_replicas": self.max_replicas,
                "initial_replicas": max(self.min_replicas, 1),
                "target_ongoing_requests": self.target_ongoing_requests,
                "upscale_delay_s": self.upscale_delay_s, "downscale_delay_s": self.downscale_delay_s,
            },
            "max_ongoing_requests": self.max_ongoing_requests,
            "ray_actor_options": {"num_cpus": self.num_cpus, "num_gpus": self.num_gpus},
        }


@serve.ingress()
class HybridNLG:
    """One replica: builds and warms its engine in the constructor, then serves create_app's app.

    The trust options and the settings (API keys included) come from the driver as arguments, never from the
    replica's environment: a cluster node's environment must neither drop nor widen them."""

    def __init__(self, config: str, settings: ServeSettings, allow_plugin_files: bool, trusted: bool) -> None:
        from ..engine import Engine

        self.engine = Engine.from_config(config, allow_plugin_files=allow_plugin_files, trusted=trusted)
        self.settings = settings
        self.readiness = Readiness()
        if settings.warmup:
            warm_up(self.engine, default_sample(self.engine, settings.sample_record), self.readiness)
        else:
            self.readiness.state = "ready"

    def __serve_build_asgi_app__(self) -> Any:
        return create_app(self.engine, self.settings, warmed=self.readiness)


def deploy(config: str, settings: ServeSettings, scaling: RayScaling, *, host: str = "127.0.0.1", port: int = 8000,
           allow_plugin_files: bool = False, trusted: bool = False) -> None:
    """Start Serve's HTTP proxy on host:port and deploy (or update) the app at `/`; Ray must be initialised."""
    from pathlib import Path

    serve.start(http_options={"host": host, "port": port})
    deployment = serve.deployment(name=DEPLOYMENT, **scaling.options())(HybridNLG)
    app = deployment.bind(str(Path(config).resolve()), settings, allow_plugin_files, trusted)
    serve.run(app, name=APP_NAME, route_prefix="/", blocking=False)


def replica_states() -> dict[str, int]:
    """Replicas of the deployment by state (RUNNING, STARTING, STOPPING, ...)."""
    status = serve.status().applications.get(APP_NAME)
    if status is None or DEPLOYMENT not in status.deployments:
        return {}
    return {str(state): count for state, count in status.deployments[DEPLOYMENT].replica_states.items()}


def serve_on_ray(config: str, settings: ServeSettings, scaling: RayScaling, *, host: str, port: int,
                 address: str | None) -> None:
    """The CLI: deploy, print the replicas as they change, shut Serve down on Ctrl-C (a local Ray with it)."""
    import ray

    from ..context import ENV_TRUSTED_CONFIG, env_flag
    from ..plugins import ENV_ALLOW_PLUGIN_FILES

    ray.init(address=address, log_to_driver=False) if address else ray.init(include_dashboard=False)
    try:
        deploy(config, settings, scaling, host=host, port=port, allow_plugin_files=env_flag(ENV_ALLOW_PLUGIN_FILES),
               trusted=env_flag(ENV_TRUSTED_CONFIG))
        print(f"hybridnlg on Ray Serve at http://{host}:{port}/ (Ctrl-C stops it)", flush=True)
        last: dict[str, int] = {}
        while True:
            states = replica_states()
            if states != last:
                print(f"{time.strftime('%H:%M:%S')} replicas: {states}", flush=True)
                last = states
            time.sleep(2)
    except KeyboardInterrupt:
        pass
    finally:
        serve.shutdown()  # type: ignore[no-untyped-call]
        if not address:
            ray.shutdown()
