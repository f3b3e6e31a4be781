/** pgo users and roles: who may call this API, what they may do and where. No password is ever readable. */
import { ArrayMaxSize, IsOptional, MaxLength } from 'class-validator';
import { Field, InputType, ObjectType } from 'type-graphql';
import { PERMISSIONS } from '../src/auth/permissions.js';
import type { PgoRoleRecord, PgoUserRecord } from '../src/auth/pgouser-service.js';

/** Longer is a mistake, not a password; the Secret would take it. */
const MAX_PASSWORD_LENGTH = 1024;
/** More roles or namespaces than this in one user is a typo, not a plan. */
const MAX_LIST = 256;

@ObjectType({ description: 'A pgo user (a pgouser-<name> Secret in the operator namespace). Its password is never readable.' })
export class PgoUser {
  @Field(() => String, { description: 'The name it logs in with.' }) username!: string;
  @Field(() => [String], { description: 'The pgo roles it holds.' }) roles!: string[];
  @Field(() => [String], { description: 'The namespaces it may act in; empty when allNamespaces.' }) namespaces!: string[];
  @Field(() => Boolean, { description: 'It may act in every namespace the server manages.' }) allNamespaces!: boolean;
}

@ObjectType({ description: 'A pgo role (a pgorole-<name> Secret in the operator namespace): the permissions it grants.' })
export class PgoRole {
  @Field(() => String, { description: 'The role name users are given.' }) name!: string;
  @Field(() => [String], { description: 'pgo permission names (e.g. ShowCluster), or ["*"] for all of them.' }) permissions!: string[];
}

export function toPgoUser(user: PgoUserRecord): PgoUser {
  return { username: user.username, roles: user.roles, namespaces: user.namespaces, allNamespaces: user.namespaces.length === 0 };
}

export function toPgoRole(role: PgoRoleRecord): PgoRole {
  return { name: role.name, permissions: role.permissions };
}

@InputType({ description: 'A new pgo user (4.2.4 `pgo create pgouser`): give namespaces or allNamespaces, not both.' })
export class CreatePgoUserInput {
  @Field(() => String, { description: 'A DNS-1035 label.' }) @MaxLength(63) name!: string;
  @Field(() => String, { description: 'The password it logs in with; stored in its Secret, never readable.' }) @MaxLength(MAX_PASSWORD_LENGTH) password!: string;
  @Field(() => [String], { description: 'Existing pgo role names.' }) @ArrayMaxSize(MAX_LIST) roles!: string[];
  @Field(() => [String], { nullable: true, description: 'Namespaces the server manages.' }) @IsOptional() @ArrayMaxSize(MAX_LIST) namespaces?: string[];
  @Field(() => Boolean, { defaultValue: false, description: 'Every namespace the server manages.' }) allNamespaces!: boolean;
}

@InputType({ description: 'Changes to a pgo user (4.2.4 `pgo update pgouser`): what is absent stays as it is.' })
export class UpdatePgoUserInput {
  @Field(() => String, { description: 'The user to change.' }) @MaxLength(63) name!: string;
  @Field(() => String, { nullable: true, description: 'A new password; the old one stops working.' }) @IsOptional() @MaxLength(MAX_PASSWORD_LENGTH) password?: string;
  @Field(() => [String], { nullable: true, description: 'Replaces the roles.' }) @IsOptional() @ArrayMaxSize(MAX_LIST) roles?: string[];
  @Field(() => [String], { nullable: true, description: 'Replaces the namespaces.' }) @IsOptional() @ArrayMaxSize(MAX_LIST) namespaces?: string[];
  @Field(() => Boolean, { defaultValue: false, description: 'Let it act in every namespace the server manages.' }) allNamespaces!: boolean;
}

@InputType({ description: 'A pgo role and the permissions it grants (4.2.4 `pgo create|update pgorole`).' })
export class PgoRoleInput {
  @Field(() => String, { description: 'A DNS-1035 label.' }) @MaxLength(63) name!: string;
  @Field(() => [String], { description: 'pgo permission names, or ["*"] for all of them.' }) @ArrayMaxSize(PERMISSIONS.length) permissions!: string[];
}
