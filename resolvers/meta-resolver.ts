import { Authorized, Ctx, Field, ObjectType, Query, Resolver } from 'type-graphql';
import { PGO_VERSION } from '../src/domain/constants.js';
import type { GraphQLContext } from '../src/graphql/context.js';
import { visibleNamespaces } from './visibility.js';

@ObjectType({ description: 'Which pgo API this server speaks, and its own version.' })
class VersionInfo {
  @Field(() => String, { description: 'The pgo version whose API and resources this server speaks.' }) pgoVersion!: string;
  @Field(() => String, { description: 'This server\'s version.' }) serverVersion!: string;
}

export const SERVER_VERSION = '0.1.0';

@Resolver()
export class MetaResolver {
  @Authorized('ShowNamespace')
  @Query(() => [String], { description: 'Namespaces you can see.' })
  namespaces(@Ctx() ctx: GraphQLContext): string[] {
    return visibleNamespaces(ctx);
  }

  @Authorized('Version')
  @Query(() => VersionInfo, { description: 'The versions a client checks before talking to this server (4.2.4 `pgo version`).' })
  version(): VersionInfo {
    return { pgoVersion: PGO_VERSION, serverVersion: SERVER_VERSION };
  }
}
