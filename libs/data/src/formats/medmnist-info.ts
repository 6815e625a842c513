import path from 'node:path';
import type { LabelSpec, Split } from '../image-set.js';

/** The 2D MedMNIST datasets (MedMNIST's `INFO` table, medmnist/info.py v3.0.2). The 3D ones are not supported. */
export const MEDMNIST_FLAGS = [
  'pathmnist',
  'chestmnist',
  'dermamnist',
  'octmnist',
  'pneumoniamnist',
  'retinamnist',
  'breastmnist',
  'bloodmnist',
  'tissuemnist',
  'organamnist',
  'organcmnist',
  'organsmnist',
] as const;
export type MedmnistFlag = (typeof MEDMNIST_FLAGS)[number];

/** Image sides MedMNIST publishes: `{flag}.npz` is 28 px, `{flag}_{size}.npz` the others. */
export const MEDMNIST_SIZES = [28, 64, 128, 224] as const;
export type MedmnistSize = (typeof MEDMNIST_SIZES)[number];

/** MedMNIST's task types, spelled as in info.py. */
export type MedmnistTaskKind = 'binary-class' | 'multi-class' | 'multi-label, binary-class' | 'ordinal-regression';

export interface MedmnistDataset {
  /** MedMNIST's own name of the set (info.py's `python_class`), e.g. RetinaMNIST. */
  name: string;
  task: MedmnistTaskKind;
  /** Label names by class index (multi-class, ordinal, binary: [label 0, label 1]) or by column (multi-label). */
  labels: readonly string[];
  channels: 1 | 3;
  samples: Readonly<Record<Split, number>>;
  /** MD5 of `{flag}.npz` (28) and `{flag}_{size}.npz` in the MedMNIST v2 distribution, Zenodo record 10519652. */
  md5: Readonly<Record<MedmnistSize, string>>;
  licence: string;
}

const ORGANS = [
  'bladder',
  'femur-left',
  'femur-right',
  'heart',
  'kidney-left',
  'kidney-right',
  'liver',
  'lung-left',
  'lung-right',
  'pancreas',
  'spleen',
];
const md5 = (s28: string, s64: string, s128: string, s224: string): Record<MedmnistSize, string> => ({
  28: s28,
  64: s64,
  128: s128,
  224: s224,
});

/** Task, label names, channels, split sizes, checksums and licence of every 2D MedMNIST set (from info.py). */
export const MEDMNIST_TASKS: Readonly<Record<MedmnistFlag, MedmnistDataset>> = {
  pathmnist: {
    name: 'PathMNIST',
    task: 'multi-class',
    labels: [
      'adipose',
      'background',
      'debris',
      'lymphocytes',
      'mucus',
      'smooth muscle',
      'normal colon mucosa',
      'cancer-associated stroma',
      'colorectal adenocarcinoma epithelium',
    ],
    channels: 3,
    samples: { train: 89996, val: 10004, test: 7180 },
    md5: md5(
      'a8b06965200029087d5bd730944a56c1',
      '55aa9c1e0525abe5a6b9d8343a507616',
      'ac42d08fb904d92c244187169d1fd1d9',
      '2c51a510bcdc9cf8ddb2af93af1eadec',
    ),
    licence: 'CC BY 4.0',
  },
  chestmnist: {
    name: 'ChestMNIST',
    task: 'multi-label, binary-class',
    labels: [
      'atelectasis',
      'cardiomegaly',
      'effusion',
      'infiltration',
      'mass',
      'nodule',
      'pneumonia',
      'pneumothorax',
      'consolidation',
      'edema',
      'emphysema',
      'fibrosis',
      'pleural',
      'hernia',
    ],
    channels: 1,
    samples: { train: 78468, val: 11219, test: 22433 },
    md5: md5(
      '02c8a6516a18b556561a56cbdd36c4a8',
      '9de6cd0b934ebb5b7426cfba5efbae16',
      'db107e5590b27930b62dbaf558aebee3',
      '45bd33e6f06c3e8cdb481c74a89152aa',
    ),
    licence: 'CC BY 4.0',
  },
  dermamnist: {
    name: 'DermaMNIST',
    task: 'multi-class',
    labels: [
      'actinic keratoses and intraepithelial carcinoma',
      'basal cell carcinoma',
      'benign keratosis-like lesions',
      'dermatofibroma',
      'melanoma',
      'melanocytic nevi',
      'vascular lesions',
    ],
    channels: 3,
    samples: { train: 7007, val: 1003, test: 2005 },
    md5: md5(
      '0744692d530f8e62ec473284d019b0c7',
      'b70a2f5635c6199aeaa28c31d7202e1f',
      '2defd784463fa5243564e855ed717de1',
      '8974907d8e169bef5f5b96bc506ae45d',
    ),
    licence: 'CC BY-NC 4.0',
  },
  octmnist: {
    name: 'OCTMNIST',
    task: 'multi-class',
    labels: ['choroidal neovascularization', 'diabetic macular edema', 'drusen', 'normal'],
    channels: 1,
    samples: { train: 97477, val: 10832, test: 1000 },
    md5: md5(
      'c68d92d5b585d8d81f7112f81e2d0842',
      'e229e9440236b774d9f0dfef9d07bdaf',
      '0a97e76651ace45c5d943ee3f65b63ae',
      'abc493b6d529d5de7569faaef2773ba3',
    ),
    licence: 'CC BY 4.0',
  },
  pneumoniamnist: {
    name: 'PneumoniaMNIST',
    task: 'binary-class',
    labels: ['normal', 'pneumonia'],
    channels: 1,
    samples: { train: 4708, val: 524, test: 624 },
    md5: md5(
      '28209eda62fecd6e6a2d98b1501bb15f',
      '8f4eceb4ccffa70c672198ea285246c6',
      '05b46931834c231683c68f40c47b2971',
      'd6a3c71de1b945ea11211b03746c1fe1',
    ),
    licence: 'CC BY 4.0',
  },
  retinamnist: {
    name: 'RetinaMNIST',
    task: 'ordinal-regression',
    labels: ['0', '1', '2', '3', '4'],
    channels: 3,
    samples: { train: 1080, val: 120, test: 400 },
    md5: md5(
      'bd4c0672f1bba3e3a89f0e4e876791e4',
      'afda852cc34dcda56f86ad2b2457dbcc',
      'e48e916a24454daf90583d4e6efb1a18',
      'eae7e3b6f3fcbda4ae613ebdcbe35348',
    ),
    licence: 'CC BY 4.0',
  },
  breastmnist: {
    name: 'BreastMNIST',
    task: 'binary-class',
    labels: ['malignant', 'normal, benign'],
    channels: 1,
    samples: { train: 546, val: 78, test: 156 },
    md5: md5(
      '750601b1f35ba3300ea97c75c52ff8f6',
      '742edef2a1fd1524b2efff4bd7ba9364',
      '363e4b3f8d712e9b5de15470a2aaadf1',
      'b56378a6eefa9fed602bb16d192d4c8b',
    ),
    licence: 'CC BY 4.0',
  },
  bloodmnist: {
    name: 'BloodMNIST',
    task: 'multi-class',
    labels: [
      'basophil',
      'eosinophil',
      'erythroblast',
      'immature granulocytes(myelocytes, metamyelocytes and promyelocytes)',
      'lymphocyte',
      'monocyte',
      'neutrophil',
      'platelet',
    ],
    channels: 3,
    samples: { train: 11959, val: 1712, test: 3421 },
    md5: md5(
      '7053d0359d879ad8a5505303e11de1dc',
      '2b94928a2ae4916078ca51e05b6b800b',
      'adace1e0ed228fccda1f39692059dd4c',
      'b718ff6835fcbdb22ba9eacccd7b2601',
    ),
    licence: 'CC BY 4.0',
  },
  tissuemnist: {
    name: 'TissueMNIST',
    task: 'multi-class',
    labels: [
      'Collecting Duct, Connecting Tubule',
      'Distal Convoluted Tubule',
      'Glomerular endothelial cells',
      'Interstitial endothelial cells',
      'Leukocytes',
      'Podocytes',
      'Proximal Tubule Segments',
      'Thick Ascending Limb',
    ],
    channels: 1,
    samples: { train: 165466, val: 23640, test: 47280 },
    md5: md5(
      'ebe78ee8b05294063de985d821c1c34b',
      '123ece2eba09d0aa5d698fda57103344',
      '61b955355d7425a89687b06cca3ce0c2',
      'b077128c4a949f0a4eb01517f9037b9c',
    ),
    licence: 'CC BY 4.0',
  },
  organamnist: {
    name: 'OrganAMNIST',
    task: 'multi-class',
    labels: ORGANS,
    channels: 1,
    samples: { train: 34561, val: 6491, test: 17778 },
    md5: md5(
      '68e3f8846a6bd62f0c9bf841c0d9eacc',
      '2dcccc29b88e6da5a01161ef20cda288',
      'eeae80d0a227a8d099027e1b3cfd3b60',
      '50747347e05c87dd3aaf92c49f9f3170',
    ),
    licence: 'CC BY 4.0',
  },
  organcmnist: {
    name: 'OrganCMNIST',
    task: 'multi-class',
    labels: ORGANS,
    channels: 1,
    samples: { train: 12975, val: 2392, test: 8216 },
    md5: md5(
      'b9ceb9546e10131b32923c5bbeaea2b1',
      '3ce34a8724ea6f548e6db4744d03b6a9',
      '773c1f009daa3fe5d9a2a201b2a7ed94',
      '050f5e875dc056f6768abf94ec9995d1',
    ),
    licence: 'CC BY 4.0',
  },
  organsmnist: {
    name: 'OrganSMNIST',
    task: 'multi-class',
    labels: ORGANS,
    channels: 1,
    samples: { train: 13932, val: 2452, test: 8827 },
    md5: md5(
      '9ab87b696fb54e2a387ebe992d6ed5f1',
      '53a6d115339d874c25e309a994ff46d3',
      'ded0c5fa01a95dc4978b956f613e9b8e',
      'b354719e553fbbb2513d5533f52a4cb1',
    ),
    licence: 'CC BY 4.0',
  },
};

export function isMedmnistFlag(s: string): s is MedmnistFlag {
  return (MEDMNIST_FLAGS as readonly string[]).includes(s);
}

/**
 * The LabelSpec of a MedMNIST set: binary-class → binary with the name of label 1, multi-class → multiclass,
 * ordinal-regression → multiclass with `ordinal: true`, multi-label → multilabel.
 */
export function medmnistLabelSpec(flag: MedmnistFlag): LabelSpec {
  const d = MEDMNIST_TASKS[flag];
  switch (d.task) {
    case 'binary-class':
      return { kind: 'binary', names: [d.labels[1]!] };
    case 'multi-class':
      return { kind: 'multiclass', names: [...d.labels] };
    case 'ordinal-regression':
      return { kind: 'multiclass', names: [...d.labels], ordinal: true };
    case 'multi-label, binary-class':
      return { kind: 'multilabel', names: [...d.labels] };
  }
}

/** MedMNIST's file name for a flag and size: `retinamnist.npz` (28 px), `retinamnist_224.npz`. */
export function medmnistFileName(flag: string, size: MedmnistSize = 28): string {
  return size === 28 ? `${flag}.npz` : `${flag}_${size}.npz`;
}

/** Flag and size from a file name: "retinamnist_224.npz" → { flag: 'retinamnist', size: 224 }; no suffix → no size. */
export function parseMedmnistFileName(file: string): { flag: string; size?: MedmnistSize } {
  const base = path
    .basename(file)
    .replace(/\.npz$/i, '')
    .toLowerCase();
  const m = /^(.*)_(28|64|128|224)$/.exec(base);
  return m ? { flag: m[1]!, size: Number(m[2]) as MedmnistSize } : { flag: base };
}
