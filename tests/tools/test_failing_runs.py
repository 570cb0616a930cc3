"""A run that cannot start says why in its last line, in a few lines, and
leaves nothing behind: wrong data root, a broken split, a torn checkpoint."""
import os

import numpy as np
from PIL import Image

from tests.utils import (CONFIG, SHIPPED, link_camvid_subset,
                         link_val_as_test, run_tool)

FAST = ['train_dataloader.num_workers=0',
        'train_dataloader.persistent_workers=False',
        'val_dataloader.num_workers=0',
        'val_dataloader.persistent_workers=False']


def failing(tool, *args):
    proc = run_tool(tool, *args, check=False)
    assert proc.returncode == 1, proc.stdout[-2000:] + proc.stderr[-2000:]
    lines = (proc.stdout + proc.stderr).strip().splitlines()
    return lines


def test_wrong_data_root_fails_in_one_line_without_a_work_dir(tmp_path):
    work = tmp_path / 'work'
    lines = failing('tools/train.py', CONFIG, '--work-dir', str(work),
                    '--cfg-options', f'data_root={tmp_path / "nowhere"}')
    assert len(lines) <= 5, lines
    assert lines[-1].startswith('error: FileNotFoundError: CamVid data_root '
                                f'not found: {tmp_path / "nowhere"}')
    assert not work.exists()


def test_bad_label_names_the_file_and_the_full_skip_option(
        tmp_path, camvid_root):
    """A label map holding 17 in the val split: the error names the file
    and the exact --cfg-options key; no work dir, config copy or log."""
    root = tmp_path / 'camvid'
    link_camvid_subset(root, camvid_root, {'train': 2, 'val': 2})
    bad = sorted(os.listdir(root / 'valannot'))[0]
    target = root / 'valannot' / bad
    labels = np.array(Image.open(os.readlink(target)))
    labels[0, 0] = 17
    target.unlink()
    Image.fromarray(labels).save(target)
    work = tmp_path / 'work'
    lines = failing('tools/train.py', CONFIG, '--work-dir', str(work),
                    '--cfg-options', f'data_root={root}', *FAST)
    text = '\n'.join(lines)
    assert f'{target}: label values outside 0..11: 17' in text
    assert ('--cfg-options val_dataloader.dataset.bad_data=skip' in
            lines[-1]), lines
    assert not work.exists()


def test_torn_checkpoint_refused_before_the_work_dir(tmp_path, camvid_root):
    root = link_val_as_test(tmp_path / 'camvid', camvid_root, 1)
    torn = tmp_path / 'torn.pth'
    torn.write_bytes(open(SHIPPED, 'rb').read()[:10000])
    work = tmp_path / 'work'
    lines = failing('tools/test.py', CONFIG, str(torn), '--work-dir',
                    str(work), '--cfg-options', f'data_root={root}')
    assert len(lines) <= 5, lines
    assert lines[-1].startswith(f'error: ValueError: {torn} is not a '
                                'complete PyTorch checkpoint'), lines
    assert not work.exists()
