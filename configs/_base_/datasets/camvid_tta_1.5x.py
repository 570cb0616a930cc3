# For the configs that train and test on CamVid frames at 1.5x (540x720):
# that size, and --tta's flips and scales 0.75x, 1x, 1.25x of it.
scale_1_5x = (720, 540)  # (w, h)
tta_pipeline_1_5x = [
    dict(type='LoadImageFromFile', backend_args=None),
    dict(
        type='TestTimeAug',
        transforms=[[
            dict(type='Resize', scale_factor=r, keep_ratio=True)
            for r in (1.125, 1.5, 1.875)
        ],
                    [
                        dict(type='RandomFlip', prob=0., direction='horizontal'),
                        dict(type='RandomFlip', prob=1., direction='horizontal')
                    ], [dict(type='LoadAnnotations')],
                    [dict(type='PackSegInputs')]])
]
