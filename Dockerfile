# Favor's image: the API (`npm start`) by default, the measurement worker with `command: [..., "src/worker.ts"]`.
# compose.yaml builds it; the `gpu` target adds onnxruntime-node's CUDA provider on an NVIDIA CUDA 12 + cuDNN 9 base.
FROM node:20-bookworm-slim AS app
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
ENV NODE_ENV=production PORT=4000
EXPOSE 4000
CMD ["node", "--import", "tsx", "src/main.ts"]

FROM nvidia/cuda:12.6.3-cudnn-runtime-ubuntu24.04 AS gpu
COPY --from=app /usr/local/bin/node /usr/local/bin/node
COPY --from=app /app /app
WORKDIR /app
# The npm package ships CPU binaries only and package.json turns its install script off: fetch the CUDA EP here.
RUN ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install.js
# The WebGPU provider (bundled) needs the Vulkan loader; the NVIDIA container toolkit mounts the driver's Vulkan ICD
# when the container asks for the graphics capability (compose.yaml sets NVIDIA_DRIVER_CAPABILITIES).
RUN apt-get update && apt-get install -y --no-install-recommends libvulkan1 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production NVIDIA_DRIVER_CAPABILITIES=compute,utility,graphics
CMD ["node", "--import", "tsx", "src/worker.ts"]
