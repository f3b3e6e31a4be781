import { Field, ID, ObjectType } from 'type-graphql';
import type { Pgpolicy } from '../src/domain/custom-resources.js';
import { DOC } from './common.js';

@ObjectType({ description: 'A policy (a Pgpolicy custom resource): SQL applied to clusters, given inline or as a URL fetched at apply time.' })
export class Policy {
  @Field(() => ID, { description: DOC.id }) id!: string;
  @Field(() => String, { description: DOC.namespace }) namespace!: string;
  @Field(() => String, { description: 'The policy name; applied clusters carry the label `<name>=pgpolicy`.' }) name!: string;
  @Field(() => String, { description: 'The SQL text; empty when the policy has a URL.' }) sql!: string;
  @Field(() => String, { description: 'Where the SQL is fetched from; empty when the policy has inline SQL.' }) url!: string;
  @Field(() => String, { description: DOC.state }) state!: string;
  @Field(() => String, { description: 'The pgo user who created (or last deleted) it.' }) createdBy!: string;
  @Field(() => String, { description: DOC.resourceVersion }) resourceVersion!: string;
  @Field(() => String, { description: DOC.createdAt }) createdAt!: string;
}

export function toPolicy(cr: Pgpolicy): Policy {
  return {
    id: cr.metadata.uid ?? '',
    namespace: cr.metadata.namespace ?? '',
    name: cr.metadata.name,
    sql: cr.spec.sql ?? '',
    url: cr.spec.url ?? '',
    state: cr.status?.state ?? '',
    createdBy: cr.metadata.labels?.pgouser ?? '',
    resourceVersion: cr.metadata.resourceVersion ?? '',
    createdAt: cr.metadata.creationTimestamp ?? '',
  };
}
