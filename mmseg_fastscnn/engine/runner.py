"""mmengine's Runner with weights-only checkpoints."""
from typing import Callable, Union

from mmengine.model import is_model_wrapper
from mmengine.runner import Runner
from mmengine.runner.checkpoint import _load_checkpoint_to_model

from mmseg.registry import RUNNERS
from .checkpoint_io import load_checkpoint_file
from .hooks import WeightsOnlyCheckpointHook


@RUNNERS.register_module()
class WeightsOnlyRunner(Runner):
    """Runner whose checkpoints load with ``torch.load(weights_only=True)``.

    Why: mmengine 0.10.7 cannot ``resume`` or ``load_from`` its own
    checkpoints under torch >= 2.6. This runner adds
    :class:`WeightsOnlyCheckpointHook` (plain, safe checkpoints) and loads
    every file weights-only; only ``resume`` from a file inside this run's
    work dir may fall back to a full load (older checkpoints).
    """

    _resume_file = None

    def register_hooks(self, default_hooks=None, custom_hooks=None) -> None:
        super().register_hooks(default_hooks, custom_hooks)
        if not any(
                isinstance(h, WeightsOnlyCheckpointHook) for h in self._hooks):
            self.register_hook(WeightsOnlyCheckpointHook())

    def resume(self,
               filename: str,
               resume_optimizer: bool = True,
               resume_param_scheduler: bool = True,
               map_location: Union[str, Callable] = 'default') -> None:
        self._resume_file = filename
        try:
            super().resume(filename, resume_optimizer, resume_param_scheduler,
                           map_location)
        finally:
            self._resume_file = None

    def load_checkpoint(self,
                        filename: str,
                        map_location: Union[str, Callable] = 'cpu',
                        strict: bool = False,
                        revise_keys: list = [(r'^module.', '')]) -> dict:
        """As mmengine's, but weights-only (see class docstring)."""
        trusted_dir = self.work_dir if filename == self._resume_file else None
        checkpoint = load_checkpoint_file(filename, map_location, trusted_dir)
        self.call_hook('after_load_checkpoint', checkpoint=checkpoint)
        model = self.model.module if is_model_wrapper(
            self.model) else self.model
        checkpoint = _load_checkpoint_to_model(
            model, checkpoint, strict, revise_keys=revise_keys)
        self._has_loaded = True
        self.logger.info(f'Load checkpoint from {filename}')
        return checkpoint
