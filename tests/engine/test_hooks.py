"""The package's hooks, called directly: ValLossHook and RunShapeHook."""
import pytest
import torch

from tests.models.base import build_segmentor


def test_val_loss_reads_the_logits_and_changes_nothing():
    """ValLossHook's loss is the head's CE on the predictions' logits, and
    the model's state is the same before and after it."""
    import copy
    from types import SimpleNamespace

    from mmengine.logging import MessageHub
    from mmseg.structures import SegDataSample
    from mmengine.structures import PixelData

    from mmseg_fastscnn.engine.hooks import ValLossHook
    torch.manual_seed(0)
    model = build_segmentor().eval()
    meta = dict(img_shape=(64, 96), ori_shape=(64, 96), pad_shape=(64, 96))
    sample = SegDataSample(metainfo=meta)
    sample.gt_sem_seg = PixelData(data=torch.randint(0, 11, (1, 64, 96)))
    batch = dict(inputs=[torch.randint(0, 255, (3, 64, 96)).float()],
                 data_samples=[sample])
    before = copy.deepcopy(model.state_dict())
    hub = MessageHub.get_instance('val_loss_reads_logits')
    runner = SimpleNamespace(model=model, message_hub=hub)
    hook = ValLossHook()
    hook.before_val_epoch(runner)
    with torch.no_grad():
        outputs = model.val_step(copy.deepcopy(batch))
    hook.after_val_iter(runner, 0, batch, outputs)
    hook.after_val_epoch(runner)
    loss = hub.get_scalar('val/val_loss').current()
    logits = outputs[0].seg_logits.data[None]
    expected = torch.nn.functional.cross_entropy(
        logits, sample.gt_sem_seg.data.long(), ignore_index=255)
    assert loss == pytest.approx(float(expected), rel=1e-5)
    assert loss > 1.0  # an untrained model: about log(11)
    after = model.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)


def test_resume_with_another_shape_says_what_changed():
    from types import SimpleNamespace
    from unittest import mock

    from mmseg_fastscnn.engine import RunShapeHook
    logger = mock.Mock()
    runner = SimpleNamespace(cfg=dict(train_dataloader=dict(batch_size=8)),
                             iter=10, logger=logger)  # resumed
    hook = RunShapeHook()
    saved = {}
    hook.before_save_checkpoint(runner, saved)
    assert saved['meta']['run_shape'] == dict(world_size=1, batch_size=8)
    hook.after_load_checkpoint(runner, saved)
    hook.before_train(runner)
    logger.warning.assert_not_called()
    saved['meta']['run_shape'] = dict(world_size=2, batch_size=8)
    hook.after_load_checkpoint(runner, saved)
    hook.before_train(runner)
    message = logger.warning.call_args[0][0]
    assert '2 process(es) x batch 8 with 1 x 8' in message
    assert 'from 16 to 8' in message and 'schedule' in message


def test_val_loss_is_the_epochs_own():
    """Two validations with losses 4 and 2: the log reports 2 (mmengine
    would report their mean, 3)."""
    from types import SimpleNamespace

    from mmengine.logging import MessageHub
    from mmengine.runner import LogProcessor

    from mmseg_fastscnn.engine.hooks import ValLossHook
    hub = MessageHub.get_instance('val_loss_test')
    runner = SimpleNamespace(message_hub=hub)
    hook = ValLossHook()
    for loss in (4.0, 2.0):
        hook._total, hook._count = loss, 1
        hook.after_val_epoch(runner)
    window = LogProcessor().window_size
    assert hub.get_scalar('val/val_loss').mean(window) == 2.0
