import type { ContainerGetter } from "type-graphql";

import type { Services } from "../services/index.js";
import type { FavorContext } from "./context.type.js";

/**
 * Returns type-graphql's container: each resolver class is built once per Services object with `new R(services)`,
 * so resolvers take `constructor(private readonly services: Services)` and stay thin.
 */
export function resolverContainer(): ContainerGetter<FavorContext> {
  const instances = new WeakMap<Services, Map<unknown, unknown>>();
  return ({ context }) => ({
    get(resolverClass: new (services: Services) => unknown) {
      let perServices = instances.get(context.services);
      if (!perServices) {
        perServices = new Map();
        instances.set(context.services, perServices);
      }
      let instance = perServices.get(resolverClass);
      if (!instance) {
        instance = new resolverClass(context.services);
        perServices.set(resolverClass, instance);
      }
      return instance;
    },
  });
}
