import { describe, expect, it } from "vitest";
import { dlcRegistryAccount } from "../../src/common/dlc-registry";
import { huggingFaceImageUri, ImageUriError, processorForInstance } from "../../src/sagemaker/image-uris";

describe("Hugging Face DLC image URIs", () => {
  it("resolves the newest training DLC in Seoul by default", () => {
    expect(huggingFaceImageUri({ scope: "training", region: "ap-northeast-2" })).toBe(
      "763104351884.dkr.ecr.ap-northeast-2.amazonaws.com/huggingface-pytorch-training:2.8.0-transformers4.56.2-gpu-py312-cu129-ubuntu22.04",
    );
  });

  it("derives cpu or gpu inference images from the instance type", () => {
    expect(
      huggingFaceImageUri({ scope: "inference", region: "us-east-1", instanceType: "ml.m5.xlarge" }),
    ).toBe(
      "763104351884.dkr.ecr.us-east-1.amazonaws.com/huggingface-pytorch-inference:2.6.0-transformers4.51.3-cpu-py312-ubuntu22.04",
    );
    expect(
      huggingFaceImageUri({ scope: "inference", region: "us-east-1", instanceType: "ml.g5.xlarge" }),
    ).toBe(
      "763104351884.dkr.ecr.us-east-1.amazonaws.com/huggingface-pytorch-inference:2.6.0-transformers4.51.3-gpu-py312-cu124-ubuntu22.04",
    );
  });

  it("accepts short versions and picks the matching older release", () => {
    expect(
      huggingFaceImageUri({
        scope: "training",
        region: "eu-west-1",
        transformersVersion: "4.36",
        pytorchVersion: "2.1",
      }),
    ).toBe(
      "763104351884.dkr.ecr.eu-west-1.amazonaws.com/huggingface-pytorch-training:2.1.0-transformers4.36.0-gpu-py310-cu121-ubuntu20.04",
    );
  });

  it("uses the regional registries that differ, and the .cn domain in China", () => {
    expect(dlcRegistryAccount("ap-northeast-3")).toBe("364406365360");
    expect(dlcRegistryAccount("af-south-1")).toBe("626614931356");
    expect(dlcRegistryAccount("me-south-1")).toBe("217643126080");
    expect(huggingFaceImageUri({ scope: "inference", region: "cn-north-1", processor: "cpu" })).toMatch(
      /^727897471807\.dkr\.ecr\.cn-north-1\.amazonaws\.com\.cn\/huggingface-pytorch-inference:/,
    );
  });

  it("refuses what does not exist, naming the fix", () => {
    expect(() =>
      huggingFaceImageUri({ scope: "training", region: "ap-northeast-2", processor: "cpu" }),
    ).toThrow(/GPU-only/);
    expect(() => huggingFaceImageUri({ scope: "training", region: "xx-nowhere-1" })).toThrow(ImageUriError);
    expect(() =>
      huggingFaceImageUri({ scope: "inference", region: "us-east-1", transformersVersion: "3.0" }),
    ).toThrow(/Known: transformers 4\.51\.3/);
  });

  it("maps instance families to processors", () => {
    expect(processorForInstance("ml.p3.2xlarge")).toBe("gpu");
    expect(processorForInstance("ml.g4dn.xlarge")).toBe("gpu");
    expect(processorForInstance("ml.c5.xlarge")).toBe("cpu");
    expect(processorForInstance("ml.m5.large")).toBe("cpu");
  });
});
