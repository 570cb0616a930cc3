from setuptools import find_packages, setup


def read_version() -> str:
    scope: dict = {}
    with open('mmseg_fastscnn/version.py') as f:
        exec(f.read(), scope)
    return scope['__version__']


setup(
    name='mmseg-fastscnn',
    version=read_version(),
    description='Fast-SCNN (Poudel et al., 2019) for MMSegmentation 1.x',
    long_description=open('README.md').read(),
    long_description_content_type='text/markdown',
    packages=find_packages(exclude=('tests*', 'configs', 'tools')),
    python_requires='>=3.8',
    install_requires=[
        'torch>=2.0', 'mmcv>=2.0.0rc4,<2.2.0', 'mmengine>=0.10,<1.0',
        'mmsegmentation==1.2.2', 'numpy', 'opencv-python', 'pillow',
        'matplotlib', 'ftfy', 'regex'
    ],
    license='Apache-2.0',
    zip_safe=False)
