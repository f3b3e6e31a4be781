import { Arg, Authorized, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { CreatePgoUserInput, PgoRole, PgoRoleInput, PgoUser, toPgoRole, toPgoUser, UpdatePgoUserInput } from '../schema/pgouser.js';
import type { GraphQLContext } from '../src/graphql/context.js';

/** The same permissions as the pgo REST routes: 4.2.4 guarded its role routes with the Pgouser ones. */
@Resolver()
export class PgoUserResolver {
  @Authorized('ShowPgouser')
  @Query(() => [PgoUser], { description: 'pgo users by name, or all of them.' })
  pgoUsers(@Arg('names', () => [String], { nullable: true, description: 'The users to answer; every user when absent.' }) names: string[] | null | undefined, @Ctx() ctx: GraphQLContext): PgoUser[] {
    const users = ctx.services.pgousers.users();
    return (names ? users.filter((u) => names.includes(u.username)) : users).map(toPgoUser);
  }

  @Authorized('ShowPgouser')
  @Query(() => [PgoRole], { description: 'pgo roles by name, or all of them.' })
  pgoRoles(@Arg('names', () => [String], { nullable: true, description: 'The roles to answer; every role when absent.' }) names: string[] | null | undefined, @Ctx() ctx: GraphQLContext): PgoRole[] {
    const roles = ctx.services.pgousers.roles();
    return (names ? roles.filter((r) => names.includes(r.name)) : roles).map(toPgoRole);
  }

  @Authorized('CreatePgouser')
  @Mutation(() => PgoUser, { description: 'Create a pgo user; it can log in as soon as this answers.' })
  async createPgoUser(@Arg('input', () => CreatePgoUserInput, { description: 'The new user, its password, roles and namespaces.' }) input: CreatePgoUserInput, @Ctx() ctx: GraphQLContext): Promise<PgoUser> {
    const user = await ctx.services.pgousers.createUser(ctx.caller, { name: input.name, password: input.password, roles: input.roles, namespaces: input.namespaces ?? [], allNamespaces: input.allNamespaces });
    return toPgoUser(user);
  }

  @Authorized('UpdatePgouser')
  @Mutation(() => PgoUser, { description: 'Change a pgo user\'s password, roles or namespaces.' })
  async updatePgoUser(@Arg('input', () => UpdatePgoUserInput, { description: 'The user and what to change.' }) input: UpdatePgoUserInput, @Ctx() ctx: GraphQLContext): Promise<PgoUser> {
    const { name, password, roles, namespaces, allNamespaces } = input;
    const user = await ctx.services.pgousers.updateUser(ctx.caller, { name, allNamespaces, ...(password === undefined ? {} : { password }), ...(roles ? { roles } : {}), ...(namespaces ? { namespaces } : {}) });
    return toPgoUser(user);
  }

  @Authorized('DeletePgouser')
  @Mutation(() => PgoUser, { description: 'Delete a pgo user; its credentials stop working as soon as this answers.' })
  async deletePgoUser(@Arg('name', () => String, { description: 'The user to delete.' }) name: string, @Ctx() ctx: GraphQLContext): Promise<PgoUser> {
    return toPgoUser(await ctx.services.pgousers.deleteUser(name));
  }

  @Authorized('CreatePgouser')
  @Mutation(() => PgoRole, { description: 'Create a pgo role.' })
  async createPgoRole(@Arg('input', () => PgoRoleInput, { description: 'The new role and its permissions.' }) input: PgoRoleInput, @Ctx() ctx: GraphQLContext): Promise<PgoRole> {
    return toPgoRole(await ctx.services.pgousers.createRole(ctx.caller, { name: input.name, permissions: input.permissions }));
  }

  @Authorized('UpdatePgouser')
  @Mutation(() => PgoRole, { description: 'Replace the permissions a pgo role grants.' })
  async updatePgoRole(@Arg('input', () => PgoRoleInput, { description: 'The role and the permissions it grants from now on.' }) input: PgoRoleInput, @Ctx() ctx: GraphQLContext): Promise<PgoRole> {
    return toPgoRole(await ctx.services.pgousers.updateRole(ctx.caller, { name: input.name, permissions: input.permissions }));
  }

  @Authorized('DeletePgouser')
  @Mutation(() => PgoRole, { description: 'Delete a pgo role and take it off every user that held it.' })
  async deletePgoRole(@Arg('name', () => String, { description: 'The role to delete.' }) name: string, @Ctx() ctx: GraphQLContext): Promise<PgoRole> {
    return toPgoRole(await ctx.services.pgousers.deleteRole(ctx.caller, name));
  }
}
