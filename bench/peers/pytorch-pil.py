# Peer: the Python/PyTorch stack of rclip, clip-retrieval and EasyNLP: PIL decode, OpenAI CLIP's
# torchvision transforms, batches of 16, torchvision's ViT-B/32 (random weights; 12 layers, width 768,
# patch 32: CLIP ViT-B/32's image tower, with a 768->512 projection for CLIP's output size), 2 threads.
# usage: python3 pytorch-pil.py <photo-dir> [--draft] [--int8] [--model-only]
#   --draft: PIL's JPEG shrink-on-load (what a tuned Python user adds)
#   --int8:  torch's dynamic quantization of the Linear layers (int8 weights, activations quantized at run time)
# Prints one JSON line. Run with LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-pthread: Debian's torch
# otherwise uses the reference BLAS (38x slower).
import json, os, sys, time
t0 = time.perf_counter()
import torch
from PIL import Image
from torchvision import transforms
from torchvision.models import vit_b_32

torch.set_num_threads(int(os.environ.get('PEER_THREADS', '2')))
SIZE, BATCH = 224, 16
DRAFT = '--draft' in sys.argv
INT8 = '--int8' in sys.argv
MODEL_ONLY = '--model-only' in sys.argv
ROUNDS = int(os.environ.get('PEER_ROUNDS', '4'))
d = sys.argv[1]
files = sorted(os.path.join(d, f) for f in os.listdir(d) if f.lower().endswith(('.jpg', '.jpeg')))

# OpenAI CLIP's _transform(224) (clip/clip.py), with the image opened by PIL.
preprocess = transforms.Compose([
    transforms.Resize(SIZE, interpolation=transforms.InterpolationMode.BICUBIC),
    transforms.CenterCrop(SIZE),
    transforms.ToTensor(),
    transforms.Normalize((0.48145466, 0.4578275, 0.40821073), (0.26862954, 0.26130258, 0.27577711)),
])

def load(path):
    im = Image.open(path)
    if DRAFT:
        im.draft('RGB', (SIZE, SIZE))  # DCT-domain shrink-on-load (1/2, 1/4 or 1/8), still >= SIZE
    return preprocess(im.convert('RGB'))

model = vit_b_32()
model.heads = torch.nn.Linear(768, 512, bias=False)
model.eval()
if INT8:
    model = torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
load_ms = (time.perf_counter() - t0) * 1000

if MODEL_ONLY:
    # A full batch even from fewer photos (repeated, as the engine's model-only phase does).
    x = torch.stack([load(p) for p in (files * BATCH)[:BATCH]])
    per_round, cpu_ms = [], []
    with torch.no_grad():
        model(x)  # warm-up
        for _ in range(ROUNDS):
            c0 = time.process_time(); s = time.perf_counter()
            model(x)
            sec = time.perf_counter() - s; c = time.process_time() - c0
            per_round.append(BATCH / sec); cpu_ms.append(c * 1000 / BATCH)
    print(json.dumps({'mode': 'model-only', 'int8': INT8, 'batch': BATCH, 'perRound': per_round,
                      'cpuMsPerImage': cpu_ms, 'threads': torch.get_num_threads()}))
    sys.exit(0)

embeds = 0
model_ms = 0.0
with torch.no_grad():
    for i in range(0, len(files), BATCH):
        x = torch.stack([load(p) for p in files[i:i + BATCH]])
        s = time.perf_counter()
        out = model(x)
        model_ms += (time.perf_counter() - s) * 1000
        embeds += out.shape[0]
print(json.dumps({'mode': 'pipeline', 'draft': DRAFT, 'int8': INT8, 'images': len(files), 'embeds': embeds,
                  'loadMs': load_ms, 'modelMs': model_ms, 'threads': torch.get_num_threads()}))
